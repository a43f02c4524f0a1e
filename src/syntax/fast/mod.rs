//! A fast parser for the subset of Nix that registries are written in: attribute sets, `let`,
//! integers, plain strings, lists, selection, arithmetic, application and simple lambdas.
//!
//! It exists for speed: rnix builds a lossless tree that costs more than Nix's whole
//! evaluation of a large registry. This parser builds a small tree with the same ranges as
//! rnix's nodes, so lowering gives the same IR. It never reports errors: on anything outside
//! the subset, or anything it doubts, it gives up and rnix reads the file instead, with
//! rnix's diagnostics. Equality with the rnix path is tested on every program in the
//! differential corpus and fuzzed.

mod lexer;
mod parser;

pub use parser::parse;
use rnix::TextRange;
pub use rnix::ast::BinOpKind;

/// An expression, with the range rnix gives the same node.
#[derive(Debug)]
pub struct Node<'a> {
    pub range: TextRange,
    pub kind: Kind<'a>,
}

#[derive(Debug)]
pub enum Kind<'a> {
    Int(i64),
    /// A string without escapes or interpolation: its text is the source's.
    Str(&'a str),
    Ident(&'a str),
    Paren(Box<Node<'a>>),
    List(Vec<Node<'a>>),
    Attrs {
        rec: bool,
        entries: Vec<Entry<'a>>,
    },
    Let {
        entries: Vec<Entry<'a>>,
        body: Box<Node<'a>>,
    },
    Select {
        expr: Box<Node<'a>>,
        path: Vec<Attr<'a>>,
    },
    Apply {
        func: Box<Node<'a>>,
        arg: Box<Node<'a>>,
    },
    BinOp {
        op: BinOpKind,
        lhs: Box<Node<'a>>,
        rhs: Box<Node<'a>>,
    },
    Neg(Box<Node<'a>>),
    Not(Box<Node<'a>>),
    If {
        cond: Box<Node<'a>>,
        then: Box<Node<'a>>,
        else_: Box<Node<'a>>,
    },
    With {
        namespace: Box<Node<'a>>,
        body: Box<Node<'a>>,
    },
    Assert {
        cond: Box<Node<'a>>,
        body: Box<Node<'a>>,
    },
    Lambda {
        param: Attr<'a>,
        body: Box<Node<'a>>,
    },
}

/// An attribute name: an identifier, or a plain string (its range includes the quotes).
#[derive(Debug, Clone, Copy)]
pub struct Attr<'a> {
    pub name: &'a str,
    pub range: TextRange,
}

#[derive(Debug)]
pub enum Entry<'a> {
    Value { path: Vec<Attr<'a>>, value: Node<'a> },
    Inherit { from: Option<Node<'a>>, attrs: Vec<Attr<'a>> },
}
