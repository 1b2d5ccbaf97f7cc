#!/usr/bin/env bash
# writ-pathlen must find every function of the fastpath in the kernel and count them, and
# find a way from the syscall entry to a sysret through the fastpath, no longer than all
# of the fastpath's code.
out=$("$1" "$2") || { echo "$out" | sed 's/^/# /'; echo "not ok - kern/pathlen-finds-the-fastpath: a function or the way to sysret is missing"; exit 1; }
code=$(echo "$out" | sed -n 's/^bench ipc\/fastpath-static-code \([0-9]*\) .*/\1/p')
path=$(echo "$out" | sed -n 's/^bench ipc\/fastpath-static-path \([0-9]*\) .*/\1/p')
echo "$out" | grep '^#'
if [ -n "$code" ] && [ -n "$path" ] && [ "$path" -gt 50 ] && [ "$path" -le "$code" ]; then
  echo "ok - kern/pathlen-finds-the-fastpath"
else
  echo "not ok - kern/pathlen-finds-the-fastpath: code '$code' path '$path'"; exit 1
fi
