"""Write a table of synthetic rows; outputs: rows, table (its path in the project)."""

import argparse
import csv
import os
import random

import domino.pipelines

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, required=True)
args = parser.parse_args()

rng = random.Random(42)
os.makedirs("data", exist_ok=True)
table = "data/table.csv"
with open(table, "w", newline="") as fh:
    writer = csv.writer(fh)
    writer.writerow(["region", "x", "label"])
    for _ in range(args.rows):
        x = rng.random()
        writer.writerow([rng.choice(["us", "eu", "apac"]), f"{x:.4f}", int(x + rng.random() > 1)])
print(f"wrote {args.rows} rows to {table}")
domino.pipelines.set_outputs(rows=args.rows, table=table)
