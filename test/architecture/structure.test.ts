// The structure rules of src/: no import cycle, no file over 400 lines, no function over 100 lines of its own.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = path.resolve(import.meta.dirname, '../../src')
const MAX_FILE_LINES = 400
const MAX_FUNCTION_LINES = 100

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith('.ts') ? [full] : []
  })
}

const files = sourceFiles(SRC).map((file) => ({
  file,
  name: path.relative(SRC, file),
  source: ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true),
}))

/** The src/ files a file imports at run time (type-only imports cannot make a cycle at run time either,
 * but a cycle of types still tangles the layers, so they count too). */
function importsOf(file: string, source: ts.SourceFile): string[] {
  const targets: string[] = []
  source.forEachChild((node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text.startsWith('.')
    ) {
      targets.push(path.resolve(path.dirname(file), node.moduleSpecifier.text))
    }
  })
  return targets
}

/** Every cycle's files, found by a depth-first walk (each cycle reported once, from where it was entered). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (node: string) => {
    state.set(node, 'visiting')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node)
  return cycles
}

/** Each function's lines less those of the functions nested in it (they are measured on their own). */
function functionLengths(name: string, source: ts.SourceFile): { where: string; lines: number }[] {
  const found: { where: string; lines: number }[] = []
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line
  const span = (node: ts.Node) => lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1
  const measure = (fn: ts.FunctionLikeDeclaration) => {
    let nested = 0
    const walk = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
        nested += span(node)
        return
      }
      node.forEachChild(walk)
    }
    fn.body?.forEachChild(walk)
    const label = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : '(anonymous)'
    found.push({ where: `${name}:${lineOf(fn.getStart(source)) + 1} ${label}`, lines: span(fn) - nested })
  }
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      measure(node as ts.FunctionLikeDeclaration)
    }
    node.forEachChild(visit)
  }
  source.forEachChild(visit)
  return found
}

describe('the structure of src/', () => {
  it('has no import cycle', () => {
    const graph = new Map(files.map(({ file, source }) => [file, importsOf(file, source)]))
    const cycles = findCycles(graph).map((cycle) => cycle.map((f) => path.relative(SRC, f)).join(' → '))
    expect(cycles).toEqual([])
  })

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map(({ name, source }) => ({ name, lines: source.getLineStarts().length }))
      .filter((f) => f.lines > MAX_FILE_LINES)
    expect(long).toEqual([])
  })

  it(`has no function over ${MAX_FUNCTION_LINES} lines of its own`, () => {
    const long = files
      .flatMap(({ name, source }) => functionLengths(name, source))
      .filter((f) => f.lines > MAX_FUNCTION_LINES)
    expect(long).toEqual([])
  })

  it('finds a cycle when there is one, and none in a tree', () => {
    const cyclic = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ])
    expect(findCycles(cyclic)).toEqual([['a', 'b', 'c', 'a']])
    expect(
      findCycles(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([])
  })
})

describe('the README', () => {
  it('names every folder of src/ in its Architecture tree, and no folder that is not there', () => {
    const readme = fs.readFileSync(path.resolve(SRC, '../README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('**Raw SQL'))
    const named = [...section.matchAll(/^ {2}([a-z0-9/-]+\/)\s/gm)].map((m) => m[1]?.replace(/\/$/, ''))
    const folders = (dir: string, prefix = ''): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name !== 'migrations')
        .flatMap((entry) => [
          `${prefix}${entry.name}`,
          ...folders(path.join(dir, entry.name), `${prefix}${entry.name}/`),
        ])
    const expected = folders(SRC).filter((folder) => !folder.startsWith('dialects') || folder.includes('/'))
    expect(named.sort()).toEqual(expected.sort())
  })
})
