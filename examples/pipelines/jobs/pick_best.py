"""Pick the region with the best AUC; outputs: best, auc. Lists arrive in matrix order."""

import argparse
import json

import domino.pipelines

parser = argparse.ArgumentParser()
parser.add_argument("--regions", type=json.loads, required=True)
parser.add_argument("--aucs", type=json.loads, required=True)
args = parser.parse_args()

best_auc, best = max(zip(args.aucs, args.regions, strict=True))
print(f"best region {best} (auc {best_auc}) of {dict(zip(args.regions, args.aucs, strict=True))}")
domino.pipelines.set_outputs(best=best, auc=best_auc)
