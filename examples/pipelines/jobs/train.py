""" "Train" a threshold model on the table (optionally one region); outputs: auc, model."""

import argparse
import csv
import json
import os

import domino.pipelines

parser = argparse.ArgumentParser()
parser.add_argument("--table", required=True)
parser.add_argument("--region", default=None)
args = parser.parse_args()

with open(args.table, newline="") as fh:
    rows = [r for r in csv.DictReader(fh) if args.region in (None, r["region"])]
pos = [float(r["x"]) for r in rows if r["label"] == "1"]
neg = [float(r["x"]) for r in rows if r["label"] == "0"]
# AUC of the score x: the share of (positive, negative) pairs it orders correctly.
pairs = [(p > n) + 0.5 * (p == n) for p in pos for n in neg]
auc = round(sum(pairs) / len(pairs), 4) if pairs else 0.5
os.makedirs("models", exist_ok=True)
model = f"models/model-{args.region or 'all'}.json"
with open(model, "w") as fh:
    json.dump({"region": args.region, "auc": auc, "rows": len(rows)}, fh)
print(f"{args.region or 'all'}: auc {auc} on {len(rows)} rows")
domino.pipelines.set_outputs(auc=auc, model=model)
