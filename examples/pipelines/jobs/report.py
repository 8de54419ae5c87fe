"""Write a short report about a trained model; output: report (its path)."""

import argparse
import json
import os

import domino.pipelines

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--auc", type=float, required=True)
args = parser.parse_args()

with open(args.model) as fh:
    model = json.load(fh)
os.makedirs("reports", exist_ok=True)
report = "reports/report.md"
with open(report, "w") as fh:
    fh.write(f"# Model report\n\nAUC {args.auc} on {model['rows']} rows ({args.model}).\n")
print(open(report).read())
domino.pipelines.set_outputs(report=report)
