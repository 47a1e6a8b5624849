# docs/conformance.md is what tools/gen-conformance makes of the driver checker's one
# rule table (sim/check/rules.def), so the catalogue a reader sees is the one the
# simulator checks; the Python reader of the table (trace/rt_check.py) refuses a
# broken row with its file and line, and the installed copy reads the table installed
# beside it. (That the C side names the same rules and clauses is checked on real
# traces by test_check_driver.sh.)
. tests/integration/lib.sh
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"

"$PYTHON" tools/gen-conformance --check || fail "docs/conformance.md is stale: run tools/gen-conformance"

# Every rule is in the doc, with its clause and its example.
"$PYTHON" - <<'EOF' || fail "conformance.md lacks a rule"
import sys
sys.path.insert(0, "trace")
import rt_check
doc = open("docs/conformance.md", encoding="utf-8").read()
for r in rt_check.rules():
    for piece in ("\n### %s\n" % r.id, "**§%s** (%s)" % (r.clause, r.severity), r.example):
        assert piece in doc, "%s: %r not in the doc" % (r.id, piece[:60])
EOF

# A change to the table shows as a stale doc.
mkdir -p "$WORK/tree/tools" "$WORK/tree/trace" "$WORK/tree/sim/check" "$WORK/tree/docs"
cp tools/gen-conformance "$WORK/tree/tools/" && cp trace/rt_check.py trace/rt_deftab.py "$WORK/tree/trace/"
cp docs/conformance.md "$WORK/tree/docs/"
sed 's/RULE(chain_loop, "2.7.5.2"/RULE(chain_loop, "2.7.5.1"/' sim/check/rules.def >"$WORK/tree/sim/check/rules.def"
cmp -s sim/check/rules.def "$WORK/tree/sim/check/rules.def" && fail "the planted change did not apply"
"$PYTHON" "$WORK/tree/tools/gen-conformance" --check >"$WORK/stale" 2>&1 && fail "a changed table passed the doc check"
grep -q "run tools/gen-conformance" "$WORK/stale" || fail "the stale-doc message does not say what to do"

# Broken rows are refused, naming the file and line.
bad() {  # SED-EXPRESSION WHAT-THE-MESSAGE-SAYS
    sed "$1" sim/check/rules.def >"$WORK/bad.def"
    cmp -s sim/check/rules.def "$WORK/bad.def" && fail "planted '$1' did not apply"
    PYTHONPATH=trace "$PYTHON" -c 'import sys, rt_check; rt_check.rules(sys.argv[1])' "$WORK/bad.def" >"$WORK/bad.out" 2>&1 &&
        fail "rt_check accepted: $1"
    grep -q "bad.def:[0-9]*: .*$2" "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "rt_check's message for '$1' lacks '$2'"; }
}
bad 's/RULE(chain_loop, "2.7.5.2"/RULE(chain_loop, "two"/' "clause"
bad 's/RULE(chain_loop, "2.7.5.2", must,/RULE(chain_loop, "2.7.5.2", should,/' "severity"
bad 's/RULE(chain_loop,/RULE(status_order,/' "not a new"
bad 's/RULE(chain_loop, "2.7.5.2", must, "avail_idx",/RULE(chain_loop, "2.7.5.2", must,/' "7 arguments"
bad 's/RULE(chain_loop, "2.7.5.2", must, "avail_idx",/RULE(chain_loop, "2.7.5.2", must, "avail idx",/' "names no events"

# Installed: the table goes beside the module, which reads it there.
if [ -f Makefile ] && [ -f ringside ] && [ -f guestfw/ringside-fw.elf ]; then
    make -s -o ringside -o guestfw/ringside-fw.elf install DESTDIR="$WORK/inst" PREFIX=/opt/rs >"$WORK/install.out" 2>&1 ||
        { cat "$WORK/install.out"; fail "make install failed"; }
    py=$WORK/inst/opt/rs/share/ringside/python
    [ -f "$py/rules.def" ] || fail "make install did not put rules.def beside the modules"
    n=$(PYTHONPATH=trace "$PYTHON" -c 'import rt_check; print(len(rt_check.rules()))')
    (cd "$WORK" && PYTHONPATH="$py" "$PYTHON" -c 'import sys, os, rt_check; p = rt_check.find_rules_def(); assert p == os.path.join(sys.argv[2], "rules.def"), p; assert len(rt_check.rules()) == int(sys.argv[1])' "$n" "$py") ||
        fail "the installed rt_check.py does not read the installed table"
else
    echo "no ./ringside or firmware built: make install not checked"
fi
echo ok
