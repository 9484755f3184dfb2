#!/usr/bin/env bash
# Runs deploy/ansible/network-fork.yml against three local hosts (ansible_connection=local, one data
# directory each: two on one chain, one on a chain that breaks at block 50) and checks its report.
# Usage: playbook_test.sh FORENSICS_BINARY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
if ! command -v ansible-playbook > /dev/null; then
  echo "ansible-playbook is missing: .ci/install-deps installs ansible-core" >&2
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/forensics-ansible-XXXXXX")
trap 'rm -rf "$work"' EXIT
export ANSIBLE_LOCAL_TEMP=$work/ansible-local ANSIBLE_REMOTE_TEMP=$work/ansible-remote ANSIBLE_NOCOLOR=1
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
for n in node1 node2 node3; do mkdir -p "$work/$n"; done
"$bin" generate --out "$work/node1/chain.ndjson" --blocks 80 > /dev/null 2>&1
"$bin" generate --out "$work/node2/chain.ndjson" --blocks 70 > /dev/null 2>&1
"$bin" generate --out "$work/node3/chain.ndjson" --blocks 80 --fault inflation@50 > /dev/null 2>&1
{
  echo "[coinjecture_nodes]"
  for n in node1 node2 node3; do
    echo "$n ansible_connection=local forensics_chain=$work/$n/chain.ndjson fingerprint_path=$work/$n/fingerprint.fp.zst"
  done
  echo "[all:vars]"
  echo "forensics_bin=$bin"
} > "$work/inventory.ini"
ansible-playbook -i "$work/inventory.ini" "$src/deploy/ansible/network-fork.yml" \
  -e "fingerprints_dir=$work/fetched" -e "report_dir=$work/report" > "$work/ansible.out" 2>&1 || {
  cat "$work/ansible.out"
  exit 1
}
/usr/bin/python3 - "$work/report/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
nodes = {n["name"]: n for n in r["nodes"]}
checks = [
    (r["issue"] == "network-fork", "issue"),
    (r["verdict"] == "violation", "verdict"),
    (sorted(nodes) == ["node1", "node2", "node3"], "nodes"),
    (all(n["source"] == "fingerprint" for n in nodes.values()), "every node came as a fingerprint"),
    (nodes["node1"]["action"] == "none", "node1 at the tip"),
    (nodes["node2"]["action"] == "catch-up", "node2 behind"),
    (nodes["node3"]["action"] == "reorg" and nodes["node3"]["fork_height"] == 50, "node3 reorgs from its fork at 50"),
    (r["network_target"]["height"] == 49 and nodes["node3"]["command"] == r["network_target"]["command"], "target"),
]
bad = [what for ok, what in checks if not ok]
if bad:
    print("report.json is wrong:", ", ".join(bad))
    print(json.dumps(r, indent=1)[:4000])
    sys.exit(1)
print("playbook report: node3 reorgs to", r["network_target"]["hash"])
PY
grep -q '```mermaid' "$work/report/report.md"
