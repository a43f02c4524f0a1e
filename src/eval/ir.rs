//! The evaluator's own expression tree: lowered once from rowan, with variables resolved
//! to environment slots, so evaluation never walks syntax nodes.

use std::rc::Rc;

use crate::diagnostic::Span;

pub(crate) type ExprRef = Rc<Node>;

#[derive(Debug)]
pub struct Node {
    pub(crate) span: Span,
    pub(crate) expr: Expr,
}

#[derive(Debug)]
pub(crate) enum Expr {
    Null,
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// An absolute, canonical path.
    Path(Rc<str>),
    /// `"a${b}c"` (string mode) or `./a/${b}` (first part decides, as with `+`).
    Concat {
        parts: Box<[ExprRef]>,
        force_string: bool,
    },
    Var(Var),
    Attrs(Box<AttrsExpr>),
    List(Box<[ExprRef]>),
    /// `e.a.b`; with `or`, it is `SelectOr`, kept apart so that every node stays small.
    Select {
        expr: ExprRef,
        path: Box<[AttrName]>,
    },
    SelectOr(Box<SelectOr>),
    HasAttr {
        expr: ExprRef,
        path: Box<[AttrName]>,
    },
    Lambda(Rc<LambdaExpr>),
    Apply {
        func: ExprRef,
        arg: ExprRef,
    },
    /// `let` bindings: a new environment whose slots are the bindings, recursively.
    Let {
        slots: Box<[ExprRef]>,
        body: ExprRef,
    },
    With {
        namespace: ExprRef,
        body: ExprRef,
    },
    If {
        cond: ExprRef,
        then: ExprRef,
        else_: ExprRef,
    },
    Assert {
        cond: ExprRef,
        body: ExprRef,
    },
    BinOp {
        op: BinOp,
        lhs: ExprRef,
        rhs: ExprRef,
    },
    Not(ExprRef),
    Neg(ExprRef),
    CurPos,
    /// Syntax Nix accepts but portnix does not evaluate (search paths, pipes): an error when reached.
    Unsupported(Rc<str>),
}

#[derive(Debug)]
pub(crate) struct SelectOr {
    pub(crate) expr: ExprRef,
    pub(crate) path: Box<[AttrName]>,
    pub(crate) default: ExprRef,
}

impl Expr {
    /// `expr.path`, or `expr.path or default`.
    pub(crate) fn select(expr: ExprRef, path: Vec<AttrName>, default: Option<ExprRef>) -> Expr {
        let path = path.into_boxed_slice();
        match default {
            None => Expr::Select { expr, path },
            Some(default) => Expr::SelectOr(Box::new(SelectOr { expr, path, default })),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    And,
    Or,
    Impl,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Update,
    Concat,
}

#[derive(Debug, Clone)]
pub(crate) enum Var {
    /// `depth` environments up, slot `index`.
    Local { depth: u32, index: u32 },
    /// A builtin from the global scope.
    Global(u32),
    /// Not bound lexically: looked up at run time in the enclosing `with`s.
    With(Rc<str>),
}

#[derive(Debug)]
pub(crate) enum AttrName {
    Static(Rc<str>),
    Dynamic(ExprRef),
}

#[derive(Debug)]
pub(crate) struct AttrsExpr {
    /// `rec { }`: values see a new environment holding every static attribute.
    pub(crate) rec: bool,
    /// Sorted by name.
    pub(crate) attrs: Vec<AttrDef>,
    pub(crate) dynamic: Vec<DynamicAttr>,
}

#[derive(Debug)]
pub(crate) struct AttrDef {
    pub(crate) name: Rc<str>,
    pub(crate) name_span: Span,
    pub(crate) value: ExprRef,
}

#[derive(Debug)]
pub(crate) struct DynamicAttr {
    pub(crate) name: ExprRef,
    pub(crate) value: ExprRef,
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) struct LambdaExpr {
    pub(crate) param: Param,
    pub(crate) body: ExprRef,
}

#[derive(Debug)]
pub(crate) enum Param {
    /// `x: ...`, with its name (for `toXML`; the body reads it from slot 0).
    Ident(Rc<str>),
    /// Slots: one per formal in order, then the `@` binding if any.
    Pattern { formals: Vec<Formal>, ellipsis: bool, bind: Option<Rc<str>> },
}

#[derive(Debug)]
pub(crate) struct Formal {
    pub(crate) name: Rc<str>,
    pub(crate) span: Option<Span>,
    pub(crate) default: Option<ExprRef>,
}

// A registry lowers to a few nodes per entry: at a million entries, every byte here is a
// megabyte of memory the kernel has to zero. 48 bytes makes an Rc'd node one 64-byte block.
const _: () = assert!(std::mem::size_of::<Node>() <= 48);
