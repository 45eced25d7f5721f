#!/bin/sh
# usage: tests/realworld/derive_status.sh <cymig binary>: the derive-down status of every V*__*.cypher
# of ../shared/realworld (refused / inexact / assumed / exact), to compare two builds.
bin=$1
for f in $(find /work/shared/realworld -name 'V*__*.cypher' -not -path '*/.git/*' | sort); do
  out=$($bin derive-down "$f" 2>&1); rc=$?
  if [ $rc -ne 0 ]; then s=refused
  elif echo "$out" | grep -q "Inexact"; then s=inexact
  elif echo "$out" | grep -q "Assumption"; then s=assumed
  else s=exact; fi
  echo "$s $f"
done
