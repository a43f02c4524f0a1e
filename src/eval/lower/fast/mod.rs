//! The fast front end: parses the registry subset of Nix and lowers it in the same pass,
//! with no syntax tree in between. It mirrors rnix's grammar function for function, and
//! shares the attribute-set and `let` code with the rnix path through [`Syntax`], so both
//! give the same IR, positions included. It gives up (`None`) on anything else, and on any
//! error, so that rnix reads the file and reports it.

mod operators;
mod parser;

use std::marker::PhantomData;
use std::path::Path;
use std::rc::Rc;

use super::Lowerer;
use super::attrs::{Name, Syntax};
use crate::diagnostic::Span;
use crate::eval::ir::ExprRef;
use crate::fxhash::FxHashMap as HashMap;
use crate::syntax::FileId;

/// Parses and lowers `text`, or returns `None` when the rnix path must read it: outside the
/// subset, not valid Nix, or with an error that lowering reports.
pub(crate) fn lower_fast(
    text: &str,
    file: FileId,
    dir: &Path,
    globals: &HashMap<Rc<str>, u32>,
) -> Option<ExprRef> {
    crate::timing::phase("fast", || {
        let mut l = Lowerer::new(file, dir, globals);
        let expr = parser::parse(text, &mut l)?;
        l.errors.is_empty().then_some(expr)
    })
}

/// Lowered expressions, each with the range of rnix's node for it (parentheses included).
struct Direct<'a>(PhantomData<&'a str>);

struct Spanned {
    node: ExprRef,
    span: Span,
}

/// An attribute name as written: an identifier, or a plain string (`quoted`, range with quotes).
#[derive(Clone, Copy)]
struct Attr<'a> {
    name: &'a str,
    start: u32,
    end: u32,
    quoted: bool,
}

impl<'a> Syntax for Direct<'a> {
    type Expr = Spanned;
    type Attr = Attr<'a>;

    fn attr_name(l: &mut Lowerer<'_>, attr: &Attr<'a>) -> Option<Name<Spanned>> {
        Some(Name::Static(l.fast_attr_name(attr)))
    }

    fn attr_span(l: &Lowerer<'_>, attr: &Attr<'a>) -> Span {
        Span { file: l.file, start: attr.start, end: attr.end }
    }

    fn lower(_: &mut Lowerer<'_>, e: &Spanned) -> ExprRef {
        e.node.clone()
    }

    fn expr_span(_: &Lowerer<'_>, e: &Spanned) -> Span {
        e.span
    }
}

impl Lowerer<'_> {
    /// Identifiers are interned and strings are not, as on the rnix path.
    fn fast_attr_name(&mut self, attr: &Attr<'_>) -> Rc<str> {
        if attr.quoted { attr.name.into() } else { self.intern(attr.name) }
    }
}
