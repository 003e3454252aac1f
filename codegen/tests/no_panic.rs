//! Property test: arbitrary input never panics the parser, the validator, the formatter or the emitter, and
//! whatever the formatter accepts it prints back into a schema that parses to the same generated code.
//!
//! Inputs are deterministic mutations (seeded PRNG) of every schema in the repository, plus random token
//! soup. `NO_PANIC_ITERS` raises the count (default 20,000); `NO_PANIC_SEED` changes the seed.

use std::fs;
use std::path::{Path, PathBuf};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "[]",
    "?",
    "@",
    "@@",
    ",",
    ":",
    "=",
    ".",
    "\"",
    "\\",
    "\n",
    " ",
    "//",
    "///",
    "model",
    "enum",
    "datasource",
    "generator",
    "view",
    "String",
    "Int",
    "Decimal",
    "DateTime",
    "Json",
    "Unsupported(\"x\")",
    "@id",
    "@unique",
    "@default(",
    "cuid()",
    "now()",
    "autoincrement()",
    "@relation(fields: [",
    "references: [",
    "onDelete: SetNull",
    "@@index([",
    "@@tenant(",
    "@@tenantRoot",
    "@@global",
    "@db.VarChar(",
    "@map(\"",
    "-1.5",
    "99999999999999999999",
    "é",
    "\u{0}",
    "\u{feff}",
    "\r\n",
    "\t",
    "💥",
];

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in ["test_data/valid", "test_data/invalid"] {
        if let Ok(entries) = fs::read_dir(root.join(dir)) {
            paths.extend(
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "prisma")),
            );
        }
    }
    paths.push(root.join("../schema/schema.prisma"));
    paths.push(root.join("../tests/schemas/all_types.prisma"));
    paths.sort();
    paths.iter().filter_map(|p| fs::read_to_string(p).ok()).collect()
}

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let len = chars.len();
        match rng.below(6) {
            0 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below(len - at).min(1 + rng.below(40));
                chars.drain(at..at + n);
            }
            1 => {
                let at = rng.below(len + 1);
                let piece = PIECES[rng.below(PIECES.len())];
                chars.splice(at..at, piece.chars());
            }
            2 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below(len - at).min(1 + rng.below(80));
                let copy: Vec<char> = chars[at..at + n].to_vec();
                let to = rng.below(chars.len() + 1);
                chars.splice(to..to, copy);
            }
            3 => chars.truncate(rng.below(len + 1)),
            4 if len > 0 => {
                let at = rng.below(len);
                chars[at] = PIECES[rng.below(PIECES.len())].chars().next().unwrap_or('x');
            }
            _ => {
                let at = rng.below(len + 1);
                chars.insert(at, '\n');
            }
        }
    }
    chars.into_iter().collect()
}

fn soup(rng: &mut Rng) -> String {
    (0..rng.below(60))
        .map(|_| PIECES[rng.below(PIECES.len())])
        .collect::<Vec<_>>()
        .join(if rng.below(2) == 0 { " " } else { "" })
}

fn exercise(src: &str) {
    let (schema, diags) = trato_codegen::check(src);
    let _ = trato_codegen::render("fuzz.prisma", src, &diags);
    if let Some(schema) = &schema {
        let _ = trato_codegen::emit::rust::emit(schema, "fuzz.prisma");
    }
    if let Ok(formatted) = trato_codegen::format::format(src) {
        let (again, diags) = trato_codegen::syntax::parse(&formatted);
        assert!(
            diags.iter().all(|d| !d.is_error()),
            "formatter output does not parse:\n{src}\n---\n{formatted}\n{diags:?}"
        );
        assert_eq!(
            trato_codegen::format::print(&again),
            formatted,
            "formatter is not idempotent on:\n{src}"
        );
        let (schema2, _) = trato_codegen::check(&formatted);
        match (&schema, &schema2) {
            (Some(a), Some(b)) => assert_eq!(
                trato_codegen::emit::rust::emit(a, "f"),
                trato_codegen::emit::rust::emit(b, "f"),
                "formatting changed the generated code of:\n{src}"
            ),
            // The formatter may complete a schema (a missing back-relation), never break one.
            (None, _) => {}
            (Some(_), None) => panic!("formatting broke:\n{src}\n---\n{formatted}"),
        }
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let iters: usize = std::env::var("NO_PANIC_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = std::env::var("NO_PANIC_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_CAFE);
    let corpus = corpus();
    assert!(corpus.len() > 40, "corpus too small: {}", corpus.len());
    let mut rng = Rng(seed | 1);
    for i in 0..iters {
        let src = if i % 10 == 9 {
            soup(&mut rng)
        } else {
            let pick = rng.below(corpus.len());
            mutate(&mut rng, &corpus[pick])
        };
        let result = std::panic::catch_unwind(|| exercise(&src));
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("iteration {i} (seed {seed}) panicked: {msg:?}\ninput:\n{src:?}");
        }
    }
}

/// Inputs that once overflowed the stack (nesting inside an attribute) or flooded the output (one mistake
/// repeated on a line): each is refused with a bounded report.
#[test]
fn deep_nesting_and_floods_are_refused_with_a_bounded_report() {
    let cases = [
        format!(
            "model A {{\n  id String @id @default({}{})\n}}\n",
            "f(".repeat(3000),
            ")".repeat(3000)
        ),
        format!(
            "model A {{\n  id String @id @default({}{})\n}}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
        format!("model A {{\n  id String @id{}\n}}\n", " @unique".repeat(20_000)),
        format!("{}{}", "{".repeat(10_000), "}".repeat(10_000)),
    ];
    for src in &cases {
        exercise(src);
        let (schema, diags) = trato_codegen::check(src);
        assert!(schema.is_none());
        assert!(
            diags.len() <= trato_codegen::diagnostics::MAX_TOTAL + 1,
            "{} diagnostics",
            diags.len()
        );
        let shown = trato_codegen::render("flood.prisma", src, &diags);
        assert!(shown.len() < 64 * 1024, "{} bytes of report", shown.len());
    }
}
