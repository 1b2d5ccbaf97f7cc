#!/usr/bin/env bash
# writ-pathlen must find every function of the fastpath in the kernel and count them.
out=$("$1" "$2") || { echo "$out" | sed 's/^/# /'; echo "not ok - kern/pathlen-finds-the-fastpath: a function is missing"; exit 1; }
n=$(echo "$out" | sed -n 's/^bench ipc\/fastpath-static-code \([0-9]*\) .*/\1/p')
echo "$out" | grep '^#'
if [ -n "$n" ] && [ "$n" -gt 50 ]; then
  echo "ok - kern/pathlen-finds-the-fastpath"
else
  echo "not ok - kern/pathlen-finds-the-fastpath: count '$n'"; exit 1
fi
