#!/bin/sh
# writ-policy, the command for people: output lines and exit status (0 yes, 1 no,
# 2 error or cannot prove), per subcommand.  usage: test_cli.sh PATH/TO/writ-policy
P=$1
failed=0

# check NAME WANT_STATUS WANT_GREP -- ARGS...
check() {
        name=$1 want=$2 pattern=$3
        shift 4
        out=$("$P" "$@" 2>&1)
        got=$?
        if [ "$got" -ne "$want" ]; then
                echo "not ok - policy/$name: exit $got, want $want"
                echo "$out" | sed 's/^/# /'
                failed=1
        elif ! printf '%s\n' "$out" | grep -qF -- "$pattern"; then
                echo "not ok - policy/$name: output lacks '$pattern'"
                echo "$out" | sed 's/^/# /'
                failed=1
        else
                echo "ok - policy/$name"
        fi
}

check cli-help 0 "usage: writ-policy parse" -- --help
check cli-usage 2 "usage:" -- frobnicate
check cli-parse 0 'canonical: file:/tmp/a\:b[0-9].log:rw' -- parse 'file:/tmp/a\:b[0-9].log:wr'
check cli-parse-error 2 "POLICY_E_DSTAR) at byte 9" -- parse 'file:/a/b**:r'
check cli-match-yes 0 "verdict: match" -- match 'file:/home/u/*.txt:r' /home/u/readme.txt
check cli-match-no 1 "verdict: no match" -- match 'file:/home/u/*.txt:r' /home/u/.txt
check cli-match-bad-path 2 "POLICY_E_PATH_DOT) at byte 8" -- match 'file:/**:r' /home/u/../x
check cli-subset-yes 0 "verdict: subset" -- subset 'file:/home/u/readme.txt:r' 'file:/home/u/*.txt:rw'
check cli-subset-counterexample 1 "counterexample: /home/u/a" -- subset 'file:/home/u/*:r' 'file:/home/u/*.txt:r'
check cli-subset-rights 1 "reason: the parent lacks right(s) wx" -- subset 'file:/a:rwx' 'file:/**:r'
check cli-subset-scheme 1 "reason: schemes differ" -- subset 'net:/a:r' 'file:/a:r'
check cli-subset-cannot-prove 2 "verdict: cannot prove" -- \
        subset 'file:/*a????????????????:r' 'file:/*a????????????????*:r'
exit $failed
