"""Print the table of readings of |M_WS(0.1)| for docs/figures.md (Crăciun Fig. 2's 37.4).

    python docs/figures/mws_lengths_table.py
"""

from __future__ import annotations

import mpmath as mp

from symstab.exact.mws_lengths import length_readings, threshold_for_length, window_for_length


def main() -> None:
    print("| reading | what is measured | length at η = 0.1 |")
    print("| --- | --- | --- |")
    for r in length_readings("0.1"):
        text = r.description.replace("|", "\\|")
        print(f"| {r.name} | {text} | {mp.nstr(r.value, 6)} |")
    c = threshold_for_length("37.4")
    print(f"\n37.4 is the Euclidean length of {{xy = 1, x² + y² <= {mp.nstr(c, 6)}}} "
          f"(η = 2/c = {mp.nstr(2 / c, 4)}) and of xy = 1 inside "
          f"[−{mp.nstr(window_for_length('37.4'), 5)}, {mp.nstr(window_for_length('37.4'), 5)}]².")


if __name__ == "__main__":
    main()
