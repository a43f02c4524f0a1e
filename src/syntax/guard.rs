//! What is refused before rnix sees it: input on which rnix or rowan would take quadratic time.

use rnix::{SyntaxKind, TextRange, TextSize};

/// Brackets nested deeper than this, or more prefix operators or chained `if`s in a row, are
/// refused before parsing: rowan's node cache takes quadratic time on deep identical nesting,
/// and rnix limits its own recursion to 512 too.
pub(crate) const MAX_NESTING: usize = 512;

/// Why a text is refused, and where.
pub(crate) struct Refusal {
    pub(crate) range: TextRange,
    why: Why,
}

enum Why {
    Nesting,
    Run,
}

impl Refusal {
    pub(crate) fn message(&self) -> String {
        match self.why {
            Why::Nesting => format!(
                "brackets, prefix operators, `if`s or attribute paths nested more than {MAX_NESTING} levels deep"
            ),
            Why::Run => format!(
                "{} characters of names, numbers and operators with no space between them: too many to read",
                u32::from(self.range.len())
            ),
        }
    }

    pub(crate) fn hint(&self) -> &'static str {
        match self.why {
            Why::Nesting => "flatten the expression, for example with `let` bindings",
            Why::Run => "put spaces around the operators, or split the expression with `let` bindings",
        }
    }
}

/// The first reason to refuse `text`, if any.
pub(crate) fn refuse(text: &str) -> Option<Refusal> {
    // The run scan goes first: the nesting scan uses rnix's tokenizer, which is what it guards.
    let (range, why) =
        costly_run(text).map(|r| (r, Why::Run)).or_else(|| too_deep(text).map(|r| (r, Why::Nesting)))?;
    Some(Refusal { range, why })
}

/// Characters that rnix's tokenizer scans ahead over at the start of every token, looking for a
/// path or a URI (`/` ends the scan).
fn in_run(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-')
}

/// Where scanning ahead would cost more than a few steps per byte (and about a second in all). At every token
/// in code, rnix's tokenizer reads the rest of the run of `in_run` characters it starts: a run
/// of n characters holding m tokens costs n·m, so `a+a+a+…` or `a.a.a.…` of a few hundred
/// kilobytes took minutes. A run of m tokens has at least m/2 - 1 of `.`, `+` and `-` (numbers
/// end at a letter, names absorb letters, digits and `-`), which bounds its cost from above.
/// Strings and comments do not count: rnix does not scan ahead inside them.
fn costly_run(text: &str) -> Option<TextRange> {
    enum Ctx {
        Code { braces: u32 },
        Str,
        Indented,
    }
    let b = text.as_bytes();
    let n = b.len();
    let budget = 16 * n as u64 + (1 << 28);
    let mut cost = 0u64;
    let mut stack = vec![Ctx::Code { braces: 0 }];
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < n {
        let nested = stack.len() > 1;
        // The outermost context is never popped.
        let Some(top) = stack.last_mut() else { break };
        match top {
            Ctx::Code { braces } => match b[i] {
                c if in_run(c) => {
                    let start = i;
                    let mut seps = 0u64;
                    while i < n && in_run(b[i]) {
                        seps += u64::from(matches!(b[i], b'.' | b'+' | b'-'));
                        i += 1;
                    }
                    cost += (i - start) as u64 * (2 + 2 * seps);
                    if cost > budget {
                        let range = TextRange::new(TextSize::from(start as u32), TextSize::from(i as u32));
                        return Some(range);
                    }
                    continue;
                }
                b'"' => stack.push(Ctx::Str),
                b'\'' if at(i + 1) == b'\'' => {
                    stack.push(Ctx::Indented);
                    i += 1;
                }
                b'#' => i = text[i..].find('\n').map_or(n, |j| i + j),
                b'/' if at(i + 1) == b'*' => {
                    i = text[i + 2..].find("*/").map_or(n, |j| i + 2 + j + 1);
                }
                b'{' => *braces += 1,
                b'}' if *braces == 0 && nested => {
                    stack.pop();
                }
                b'}' => *braces = braces.saturating_sub(1),
                _ => {}
            },
            Ctx::Str => match b[i] {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' if at(i + 1) == b'{' => {
                    stack.push(Ctx::Code { braces: 0 });
                    i += 1;
                }
                b'$' if at(i + 1) == b'$' => i += 1,
                _ => {}
            },
            Ctx::Indented => match b[i] {
                b'\'' if at(i + 1) == b'\'' => match at(i + 2) {
                    b'$' | b'\'' => i += 2,
                    b'\\' => i += 3,
                    _ => {
                        stack.pop();
                        i += 1;
                    }
                },
                b'$' if at(i + 1) == b'{' => {
                    stack.push(Ctx::Code { braces: 0 });
                    i += 1;
                }
                b'$' if at(i + 1) == b'$' => i += 1,
                _ => {}
            },
        }
        i += 1;
    }
    None
}

fn too_deep(text: &str) -> Option<TextRange> {
    use SyntaxKind::*;
    let mut depth = 0usize;
    // Prefix operators nest too (`- - - 1`), and rowan pays the same quadratic price for them;
    // so do `if`s chained without a bracket or a `;` between them (`else if ...`).
    let mut prefix_run = 0usize;
    // An attribute path of a million names builds a million nested sets.
    let mut dots = 0usize;
    let mut ifs: Vec<usize> = vec![0];
    let mut offset = TextSize::from(0);
    for (kind, tok) in rnix::tokenize(text) {
        let len = TextSize::of(tok);
        match kind {
            TOKEN_WHITESPACE | TOKEN_COMMENT => {}
            TOKEN_SUB | TOKEN_INVERT => {
                prefix_run += 1;
                if prefix_run > MAX_NESTING {
                    return Some(TextRange::at(offset, len));
                }
            }
            _ => prefix_run = 0,
        }
        match kind {
            TOKEN_DOT => {
                dots += 1;
                if dots > MAX_NESTING {
                    return Some(TextRange::at(offset, len));
                }
            }
            TOKEN_IDENT | TOKEN_STRING_START | TOKEN_STRING_CONTENT | TOKEN_STRING_END | TOKEN_WHITESPACE
            | TOKEN_COMMENT => {}
            _ => dots = 0,
        }
        match kind {
            // The outermost frame is never popped, so `last_mut` always finds one.
            TOKEN_IF => {
                if let Some(top) = ifs.last_mut() {
                    *top += 1;
                    if *top > MAX_NESTING {
                        return Some(TextRange::at(offset, len));
                    }
                }
            }
            TOKEN_SEMICOLON => {
                if let Some(top) = ifs.last_mut() {
                    *top = 0;
                }
            }
            TOKEN_L_BRACE | TOKEN_L_BRACK | TOKEN_L_PAREN | TOKEN_INTERPOL_START => ifs.push(0),
            TOKEN_R_BRACE | TOKEN_R_BRACK | TOKEN_R_PAREN | TOKEN_INTERPOL_END if ifs.len() > 1 => {
                ifs.pop();
            }
            _ => {}
        }
        match kind {
            TOKEN_L_BRACE | TOKEN_L_BRACK | TOKEN_L_PAREN | TOKEN_INTERPOL_START => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(TextRange::at(offset, len));
                }
            }
            TOKEN_R_BRACE | TOKEN_R_BRACK | TOKEN_R_PAREN | TOKEN_INTERPOL_END => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
        offset += len;
    }
    None
}
