#!/bin/sh
# usage: tests/realworld/derive_status.sh <cymig binary>: the derive-down status of every V*__*.cypher
# of ../shared/realworld (refused / inexact / assumed / exact, or unloadable: a file derive-down
# does not take as a migration of its directory, exit 2), to compare two builds. One line per file
# (names may contain spaces).
bin=$1
find /work/shared/realworld -name 'V*__*.cypher' -not -path '*/.git/*' | sort | while IFS= read -r f; do
  out=$($bin derive-down "$f" 2>&1); rc=$?
  if [ $rc -eq 2 ]; then s=unloadable
  elif [ $rc -ne 0 ]; then s=refused
  elif echo "$out" | grep -q "Inexact"; then s=inexact
  elif echo "$out" | grep -q "Assumption"; then s=assumed
  else s=exact; fi
  echo "$s $f"
done
