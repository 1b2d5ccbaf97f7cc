#!/usr/bin/env node
// Inclusion oracle: refa (an independent automata library from npm) against
// policy_subset.
//
// Reads `oracle_gen subset SEED N` (child glob, parent glob, library verdict,
// library counterexample; hex), translates each canonical glob to a regular
// expression over bytes 1..255 with its own parser, builds DFAs with refa, and
// decides  child ∩ CANON ∩ complement(parent) = ∅  (CANON: canonical paths, read as
// their segments each after '/', the root as the empty word). It then checks the
// library's verdict, that its counterexample is real, and that it is a shortest one
// (refa yields intersection words by increasing length).
//
// usage: node subset_oracle.js ORACLE_GEN [SEED [N]]
"use strict";
const path = require("path");
const fs = require("fs");
const { execFileSync } = require("child_process");

const REFA = path.join(__dirname, "node_modules", "refa");
if (!fs.existsSync(REFA)) {
  console.log("not ok - policy/oracle-refa-installed: " + REFA + " is missing; run " +
              "`npm ci` in userland/lib/policy/oracle (./writ does this)");
  process.exit(1);
}
const refa = require(REFA);
const { JS, NFA, DFA } = refa;

const SLASH = 0x2f, DOT = 0x2e;
const hx = (b) => "\\x" + b.toString(16).padStart(2, "0");

function rangesRe(set) {
  const bytes = [...set].sort((a, b) => a - b);
  let out = "";
  for (let i = 0; i < bytes.length;) {
    let j = i;
    while (j + 1 < bytes.length && bytes[j + 1] === bytes[j] + 1) j++;
    out += bytes[i] === bytes[j] ? hx(bytes[i]) : hx(bytes[i]) + "-" + hx(bytes[j]);
    i = j + 1;
  }
  return out.length ? "[" + out + "]" : null;
}

function segBytes(except) {
  const s = new Set();
  for (let b = 1; b < 256; b++) if (b !== SLASH && !except.includes(b)) s.add(b);
  return s;
}
const ANY = rangesRe(segBytes([])), NODOT = rangesRe(segBytes([DOT]));

// Items of one canonical segment: {lit: b} | {set: Set} | {star: true}.
function segItems(seg) {
  const items = [];
  for (let i = 0; i < seg.length;) {
    const c = seg[i];
    if (c === 0x5c) { items.push({ lit: seg[i + 1] }); i += 2; }
    else if (c === 0x2a) { items.push({ star: true }); i++; }
    else if (c === 0x3f) { items.push({ set: segBytes([]) }); i++; }
    else if (c === 0x5b) {
      let j = i + 1, neg = false, first = true;
      const m = new Set();
      if (seg[j] === 0x21) { neg = true; j++; }
      const one = () => (seg[j] === 0x5c ? (j += 2, seg[j - 1]) : seg[j++]);
      for (;;) {
        if (j >= seg.length) throw new Error("unterminated class");
        if (seg[j] === 0x5d && !first) { j++; break; }
        const lo = first && seg[j] === 0x5d ? seg[j++] : one();
        let hi = lo;
        first = false;
        if (seg[j] === 0x2d && j + 1 < seg.length && seg[j + 1] !== 0x5d) { j++; hi = one(); }
        for (let b = lo; b <= hi; b++) m.add(b);
      }
      const set = new Set([...segBytes([])].filter((b) => m.has(b) !== neg));
      items.push(set.size === 1 ? { lit: [...set][0] } : { set });
      i = j;
    } else { items.push({ lit: c }); i++; }
  }
  return items;
}

const itemRe = (it) => (it.lit !== undefined ? hx(it.lit) : it.set ? rangesRe(it.set) : ANY + "*");
const restRe = (items) => items.map(itemRe).join("");

// L(items) without the words that start with '.' (the dotfile rule); null if empty.
function noDotRe(items) {
  if (items.length === 0) return "";
  const [it, ...rest] = items;
  if (it.lit !== undefined) return it.lit === DOT ? null : hx(it.lit) + restRe(rest);
  if (it.set) {
    const s = new Set([...it.set].filter((b) => b !== DOT));
    const r = rangesRe(s);
    return r === null ? null : r + restRe(rest);
  }
  const alts = [NODOT + ANY + "*" + restRe(rest)];
  const tail = noDotRe(rest);
  if (tail !== null) alts.push(tail);
  return "(?:" + alts.join("|") + ")";
}

function globRe(g) {
  if (g.length === 1) return "(?:)";
  const segs = [];
  let start = 1;
  for (let i = 1; i <= g.length; i++) {
    if (i === g.length || g[i] === SLASH) { segs.push(g.slice(start, i)); start = i + 1; }
  }
  let out = "";
  for (const seg of segs) {
    if (seg.length === 2 && seg[0] === 0x2a && seg[1] === 0x2a) {
      out += "(?:" + hx(SLASH) + NODOT + ANY + "*)*";
      continue;
    }
    const items = segItems(seg);
    if (items[0].lit === DOT) { out += hx(SLASH) + restRe(items); continue; }
    const r = noDotRe(items);
    if (r === null) return "[]";
    out += hx(SLASH) + r;
  }
  return out;
}

function dfa(source) {
  const { expression, maxCharacter } = JS.Parser.fromLiteral({ source, flags: "" }).parse();
  return DFA.fromFA(NFA.fromRegex(expression, { maxCharacter }));
}

const CANON = dfa("(?:" + hx(SLASH) + "(?:" + NODOT + ANY + "*|\\x2e" + NODOT + ANY + "*|\\x2e\\x2e" +
                  ANY + "+))*");

function main() {
  const gen = process.argv[2];
  const seed = process.argv[3] ? process.argv[3] : String(Math.floor(Math.random() * 2 ** 32));
  const n = process.argv[4] ? process.argv[4] : "10000";
  console.log(`# subset_oracle: seed ${seed} (rerun: node subset_oracle.js GEN ${seed} ${n})`);
  const out = execFileSync(gen, ["subset", seed, n], { maxBuffer: 1 << 28 }).toString();
  const fail = {};
  const note = (k, msg) => { if (!(k in fail)) fail[k] = msg; };
  let yes = 0, no = 0, budget = 0;
  const cache = new Map();
  const get = (h) => {
    if (!cache.has(h)) cache.set(h, dfa(globRe(Buffer.from(h, "hex"))));
    return cache.get(h);
  };
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [ch, ph, v, ceh] = line.split(" ");
    if (v === "B") { budget++; continue; }
    const child = DFA.fromIntersection(get(ch), CANON);
    const notParent = get(ph).copy();
    notParent.complement();
    const what = `${Buffer.from(ch, "hex")} <= ${Buffer.from(ph, "hex")}`;
    const words = refa.getIntersectionWordSets(child, notParent)[Symbol.iterator]().next();
    const subset = words.done;
    subset ? yes++ : no++;
    if (subset !== (v === "1"))
      note("verdict", `${what}: library says ${v === "1" ? "subset" : "not a subset"}, refa disagrees`);
    if (v === "0") {
      const ce = [...Buffer.from(ceh, "hex")];
      const word = ce.length === 1 ? [] : ce;   // "/" is the empty word
      if (!child.test(word) || !notParent.test(word))
        note("counterexample-real", `${what}: '${Buffer.from(ce)}' is not a counterexample`);
      if (!subset && words.value.length !== word.length)
        note("counterexample-shortest", `${what}: '${Buffer.from(ce)}' has ${word.length} bytes, ` +
             `refa's shortest ${words.value.length}`);
    }
  }
  console.log(`# ${yes + no + budget} pairs: ${yes} subset, ${no} not, ${budget} over budget`);
  if (yes < (yes + no) / 20 || no < (yes + no) / 20)
    note("mix", `too few subset (${yes}) or refused (${no}) pairs to mean anything`);
  if (budget > (yes + no) / 100) note("budget", `${budget} pairs over budget`);
  let failed = false;
  for (const k of ["verdict", "counterexample-real", "counterexample-shortest", "mix", "budget"]) {
    if (k in fail) { console.log(`not ok - policy/oracle-refa-${k}: ${fail[k]}`); failed = true; }
    else console.log(`ok - policy/oracle-refa-${k}`);
  }
  process.exit(failed ? 1 : 0);
}

main();
