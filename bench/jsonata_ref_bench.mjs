// The reference side of bench/jsonata_bench.cpp: the same expressions and
// the same generated document, evaluated by jsonata-js (npm `jsonata`,
// installed in bench/node/ by `npm ci --prefix bench/node`), compiled once,
// evaluate() awaited per evaluation as callers of jsonata 2.x must.
//
//   node bench/jsonata_ref_bench.mjs [--json] [case]
//
// Prints one line per case (evaluations, ns/op), or with --json one object
// {"case": ns_per_op, ...} for jsonata_bench to compute ratios from.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'node', 'package.json'));
const jsonata = require('jsonata');

const kMinMillis = 1000;  // each case loops at least this long

// Keep in step with makeDocument() in jsonata_bench.cpp.
function makeDocument() {
  const items = [];
  for (let i = 0; i < 1000; i++) items.push({ name: 'item' + i, price: (i % 100) + 0.5, qty: i % 7 });
  const lines = [];
  for (let i = 0; i < 20; i++) lines.push({ sku: 'SKU-' + i, price: 10 * (i % 9) + 5, qty: i % 5 });
  return {
    order: {
      id: 'ORD-12345',
      customer: { name: 'Ada Lovelace', email: 'Ada@Example.com', address: { city: 'London', zip: 'N1 9GU' } },
      items: lines,
    },
    items,
  };
}

// Keep in step with kCases in jsonata_bench.cpp.
const cases = [
  ['field', 'order.customer.address.city'],
  ['sum_1000', '$sum(items.price)'],
  ['object', '{"id": order.id, "customer": order.customer.name, "city": order.customer.address.city, "lines": $count(order.items), "status": "NEW"}'],
  ['strings', '$uppercase(order.customer.name) & " <" & $lowercase(order.customer.email) & "> " & $substringBefore(order.id, "-") & $string($length(order.customer.name))'],
  ['filter', 'order.items[qty > 2 and price < 50].sku'],
  ['filter_1000', '$count(items[price > 90])'],
];

const asJson = process.argv.includes('--json');
const only = process.argv.slice(2).find((a) => !a.startsWith('--'));
const doc = makeDocument();
const out = {};
for (const [name, text] of cases) {
  if (only && name !== only) continue;
  const expr = jsonata(text);
  for (let i = 0; i < 200; i++) await expr.evaluate(doc);  // warm up the JIT
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < kMinMillis * 1e6) {
    for (let i = 0; i < 100; i++) await expr.evaluate(doc);
    n += 100;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  out[name] = elapsed / n;
  if (!asJson) console.log(`${name.padEnd(12)} ${String(n).padStart(9)} evals ${(elapsed / n).toFixed(0).padStart(9)} ns/op`);
}
if (asJson) console.log(JSON.stringify(out));
