// Scores results of the HTTP caching test suite (npm http-cache-tests, the suite behind cache-tests.fyi) the way
// cache-tests.fyi shows them: each test is classified with the suite's own lib/display.mjs determineTestResult()
// (dependencies honoured, setup/harness failures are not passes), and the score is the number of REQUIRED tests
// (kind 'required' or no kind) that pass. The test list is the one cache-tests.fyi and the suite's cli.mjs use:
// tests/index.mjs plus tests/surrogate-control.mjs, minus browser-only tests.
//
// usage: node score.mjs [options] NAME=results.json ...
//   --reference       also score the results the suite ships for nginx, Varnish, ATS, httpd, Squid (results/*.json)
//   --categories      per-category table (required passed/total, optimal passed/total, checks yes/total)
//   --failing NAME    list the required tests NAME does not pass, with the harness message
//   --markdown FILE   write a Markdown report (scores, categories, failing required/optimal tests) to FILE;
//                     text after its `<!-- notes: ... -->` line is kept
//   --min N           exit 1 unless the first NAME scores at least N
//   --json FILE       write {name: {score, required, optimal_passed, ...}} to FILE
import fs from 'fs'
import path from 'path'
import { fileURLToPath } from 'url'

const here = path.dirname(fileURLToPath(import.meta.url))
const suiteDir = path.join(here, 'node_modules', 'http-cache-tests')
const display = await import(path.join(suiteDir, 'lib', 'display.mjs'))
const baseTests = (await import(path.join(suiteDir, 'tests', 'index.mjs'))).default
const surrogate = (await import(path.join(suiteDir, 'tests', 'surrogate-control.mjs'))).default
const suites = [...baseTests, surrogate]

const args = process.argv.slice(2)
const inputs = []
const opt = { reference: false, categories: false, failing: [], markdown: null, min: null, json: null }
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (a === '--reference') opt.reference = true
  else if (a === '--categories') opt.categories = true
  else if (a === '--failing') opt.failing.push(args[++i])
  else if (a === '--markdown') opt.markdown = args[++i]
  else if (a === '--min') opt.min = Number(args[++i])
  else if (a === '--json') opt.json = args[++i]
  else if (a.includes('=')) {
    const [name, file] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
    inputs.push({ name, results: JSON.parse(fs.readFileSync(file, 'utf8')) })
  } else {
    console.error(`score.mjs: unknown argument ${a}`)
    process.exit(2)
  }
}
if (opt.reference) {
  for (const [name, file] of [['nginx (suite ref)', 'nginx'], ['Varnish (suite ref)', 'varnish'],
    ['ATS (suite ref)', 'trafficserver'], ['httpd (suite ref)', 'apache'], ['Squid (suite ref)', 'squid']]) {
    const results = JSON.parse(fs.readFileSync(path.join(suiteDir, 'results', `${file}.json`), 'utf8'))
    inputs.push({ name, results, reference: true })
  }
}
if (inputs.length === 0) {
  console.error('usage: node score.mjs [--reference] [--categories] [--failing NAME] [--markdown FILE] [--min N] ' +
    'NAME=results.json ...')
  process.exit(2)
}

const PASS = '✅'
const YES = 'Y'
function kindOf (test) { return test.kind === undefined ? 'required' : test.kind }

function score (results) {
  const out = { score: 0, required: 0, optimal_passed: 0, optimal: 0, checks_yes: 0, checks: 0, categories: [], failing: [] }
  for (const suite of suites) {
    const cat = { id: suite.id, name: suite.name, req: 0, reqPass: 0, opt: 0, optPass: 0, chk: 0, chkYes: 0 }
    for (const test of suite.tests) {
      if (test.browser_only === true) continue
      const kind = kindOf(test)
      const symbol = display.determineTestResult(suites, test.id, results)[2]
      const raw = results[test.id]
      const detail = raw === undefined ? 'not run' : (raw === true ? '' : (Array.isArray(raw) ? raw.join(': ') : String(raw)))
      if (kind === 'required') {
        cat.req++
        if (symbol === PASS) cat.reqPass++
        else out.failing.push({ kind, suite: suite.name, id: test.id, symbol, detail, name: test.name })
      } else if (kind === 'optimal') {
        cat.opt++
        if (symbol === PASS) cat.optPass++
        else out.failing.push({ kind, suite: suite.name, id: test.id, symbol, detail, name: test.name })
      } else {
        cat.chk++
        if (symbol === YES) cat.chkYes++
      }
    }
    out.categories.push(cat)
    out.score += cat.reqPass; out.required += cat.req
    out.optimal_passed += cat.optPass; out.optimal += cat.opt
    out.checks_yes += cat.chkYes; out.checks += cat.chk
  }
  return out
}

for (const input of inputs) input.s = score(input.results)

const w = Math.max(6, ...inputs.map(i => i.name.length))
console.log(`${'target'.padEnd(w)}  score (required passed)   optimal passed   checks yes`)
for (const i of inputs) {
  console.log(`${i.name.padEnd(w)}  ${String(i.s.score).padStart(5)} / ${i.s.required}${' '.repeat(13)}` +
    `${String(i.s.optimal_passed).padStart(4)} / ${i.s.optimal}       ${String(i.s.checks_yes).padStart(3)} / ${i.s.checks}`)
}

if (opt.categories) {
  const cw = Math.max(...suites.map(s => s.name.length))
  console.log(`\n${'required passed/total per category'.padEnd(Math.max(cw, 34))}  ` +
    inputs.map(i => i.name.slice(0, 12).padStart(12)).join(' '))
  suites.forEach((suite, idx) => {
    const c0 = inputs[0].s.categories[idx]
    if (c0.req === 0) return
    console.log(`${suite.name.padEnd(Math.max(cw, 34))}  ` +
      inputs.map(i => `${i.s.categories[idx].reqPass}/${i.s.categories[idx].req}`.padStart(12)).join(' '))
  })
}

for (const name of opt.failing) {
  const input = inputs.find(i => i.name === name)
  if (!input) continue
  const req = input.s.failing.filter(f => f.kind === 'required')
  console.log(`\n${name}: ${req.length} required test(s) not passed`)
  for (const f of req) console.log(`  ${f.symbol} ${f.id}  ${f.detail}`)
}

if (opt.markdown) {
  const lines = []
  lines.push('# HTTP caching test suite: last results', '')
  lines.push(`Generated by \`bench/cache-tests/run.sh\` on ${new Date().toISOString()} with http-cache-tests ` +
    `${JSON.parse(fs.readFileSync(path.join(suiteDir, 'package.json'), 'utf8')).version}. ` +
    'Score = required tests passed (cache-tests.fyi counting; dependencies honoured).', '')
  lines.push('| target | score (required passed) | optimal passed | checks yes |', '|---|---|---|---|')
  for (const i of inputs) {
    lines.push(`| ${i.name} | ${i.s.score} / ${i.s.required} | ${i.s.optimal_passed} / ${i.s.optimal} | ` +
      `${i.s.checks_yes} / ${i.s.checks} |`)
  }
  lines.push('', '## Required tests passed per category', '')
  lines.push(`| category | ${inputs.map(i => i.name).join(' | ')} |`, `|---|${inputs.map(() => '---').join('|')}|`)
  suites.forEach((suite, idx) => {
    if (inputs[0].s.categories[idx].req === 0) return
    lines.push(`| ${suite.name} | ${inputs.map(i => `${i.s.categories[idx].reqPass}/${i.s.categories[idx].req}`).join(' | ')} |`)
  })
  const first = inputs[0]
  for (const kind of ['required', 'optimal']) {
    const list = first.s.failing.filter(f => f.kind === kind)
    lines.push('', `## ${first.name}: ${kind} tests not passed (${list.length})`, '')
    lines.push('Symbols: ⛔️ failed, ⚠️ optional failed, ⚪️ a test it depends on failed, 🔹 setup failed, ' +
      '⁉️ harness error, ↻ retried, - not run.', '')
    let suite = ''
    for (const f of list) {
      if (f.suite !== suite) { suite = f.suite; lines.push('', `### ${suite}`, '') }
      lines.push(`- ${f.symbol} \`${f.id}\` — ${f.name.replace(/\n/g, ' ')}${f.detail ? `  \n  _${f.detail.replace(/\n/g, ' ')}_` : ''}`)
    }
  }
  // Hand-written notes below the marker line survive regeneration.
  const marker = '<!-- notes: kept when this file is regenerated -->'
  let notes = ''
  if (fs.existsSync(opt.markdown)) {
    const old = fs.readFileSync(opt.markdown, 'utf8')
    if (old.includes(marker)) notes = old.slice(old.indexOf(marker) + marker.length)
  }
  lines.push('', marker)
  fs.writeFileSync(opt.markdown, lines.join('\n') + (notes || '\n'))
}

if (opt.json) {
  const o = {}
  for (const i of inputs) {
    o[i.name] = { score: i.s.score, required: i.s.required, optimal_passed: i.s.optimal_passed, optimal: i.s.optimal,
      checks_yes: i.s.checks_yes, checks: i.s.checks,
      categories: Object.fromEntries(i.s.categories.map(c => [c.id, { required_passed: c.reqPass, required: c.req }])) }
  }
  fs.writeFileSync(opt.json, JSON.stringify(o, null, 2) + '\n')
}

if (opt.min !== null && inputs[0].s.score < opt.min) {
  console.error(`score.mjs: ${inputs[0].name} scored ${inputs[0].s.score}, below the required minimum ${opt.min}`)
  process.exit(1)
}
