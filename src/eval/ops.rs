//! Arithmetic, equality and ordering with Nix's rules.

use std::cmp::Ordering;

use std::rc::Rc;

use super::coerce::Coerce;
use super::error::{EvalError, EvalResult, ResultExt, type_error};
use super::ir::BinOp;
use super::ir::ExprRef;
use super::paths;
use super::value::Env;
use super::{Eval, Value};
use crate::diagnostic::{Code, Span};

fn overflow() -> Box<EvalError> {
    EvalError::new(Code::IntegerOverflow, "integer overflow in arithmetic")
        .hint("Nix integers are signed 64-bit; no port computation should come near that")
}

/// `+` on numbers: int + int stays int, anything with a float becomes float.
pub(crate) fn add_numbers(a: Value, b: Value) -> EvalResult<Value> {
    match (&a, &b) {
        (Value::Int(x), Value::Int(y)) => x.checked_add(*y).map(Value::Int).ok_or_else(overflow),
        (Value::Int(x), Value::Float(y)) => Ok(Value::Float(*x as f64 + y)),
        (Value::Float(x), Value::Int(y)) => Ok(Value::Float(x + *y as f64)),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x + y)),
        (Value::Int(_), other) => {
            Err(EvalError::new(Code::TypeError, format!("cannot add {} to an integer", other.show_type())))
        }
        (_, other) => {
            Err(EvalError::new(Code::TypeError, format!("cannot add {} to a float", other.show_type())))
        }
    }
}

/// `-`, `*` and `/` (and the builtins `sub`, `mul`, `div`).
pub(crate) fn arith(op: BinOp, a: Value, b: Value) -> EvalResult<Value> {
    let num = |v: &Value| match v {
        Value::Int(_) | Value::Float(_) => Ok(()),
        other => Err(type_error(other, "an integer")),
    };
    num(&a)?;
    num(&b)?;
    if op == BinOp::Div && matches!(b, Value::Int(0))
        || matches!(b, Value::Float(f) if op == BinOp::Div && f == 0.0)
    {
        return Err(EvalError::new(Code::DivisionByZero, "division by zero"));
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let r = match op {
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                _ => x.checked_div(y),
            };
            r.map(Value::Int).ok_or_else(overflow)
        }
        (a, b) => {
            let f = |v: Value| match v {
                Value::Int(i) => i as f64,
                Value::Float(f) => f,
                _ => unreachable!("checked numeric above"),
            };
            let (x, y) = (f(a), f(b));
            Ok(Value::Float(match op {
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                _ => x / y,
            }))
        }
    }
}

impl Eval {
    /// `==`, deep, forcing as it goes.
    pub(crate) fn equal(&mut self, a: &Value, b: &Value) -> EvalResult<bool> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::String(x), Value::String(y)) => x == y,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    // Nix compares value cells by address first, so `[f] == [f]` holds for a function.
                    if p.ptr_eq(q) {
                        continue;
                    }
                    let (pv, qv) = (self.force(p)?, self.force(q)?);
                    if !self.equal(&pv, &qv)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if std::rc::Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if self.is_derivation(x)?
                    && self.is_derivation(y)?
                    && let (Some(p), Some(q)) = (x.get("outPath"), y.get("outPath"))
                {
                    let (p, q) = (p.value.clone(), q.value.clone());
                    let (pv, qv) = (self.force(&p)?, self.force(&q)?);
                    return self.equal(&pv, &qv);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.attrs.iter().zip(y.attrs.iter()) {
                    if p.name != q.name {
                        return Ok(false);
                    }
                    if p.value.ptr_eq(&q.value) {
                        continue;
                    }
                    let (pv, qv) = (self.force(&p.value)?, self.force(&q.value)?);
                    if !self.equal(&pv, &qv)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    fn is_derivation(&mut self, a: &super::AttrSet) -> EvalResult<bool> {
        match a.get("type") {
            Some(t) => {
                let t = t.value.clone();
                Ok(matches!(self.force(&t)?, Value::String(s) if &*s == "derivation"))
            }
            None => Ok(false),
        }
    }

    /// `<`: numbers, strings, paths, and lists lexicographically.
    pub(crate) fn less_than(&mut self, a: &Value, b: &Value) -> EvalResult<bool> {
        Ok(self.compare(a, b)? == Ordering::Less)
    }

    pub(crate) fn compare(&mut self, a: &Value, b: &Value) -> EvalResult<Ordering> {
        let fcmp = |x: f64, y: f64| {
            if x < y {
                Ordering::Less
            } else if y < x {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        };
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x.cmp(y),
            (Value::Int(x), Value::Float(y)) => fcmp(*x as f64, *y),
            (Value::Float(x), Value::Int(y)) => fcmp(*x, *y as f64),
            (Value::Float(x), Value::Float(y)) => fcmp(*x, *y),
            (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Value::Path(x), Value::Path(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Value::List(x), Value::List(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    let (pv, qv) = (self.force(p)?, self.force(q)?);
                    if !self.equal(&pv, &qv)? {
                        return Ok(if self.less_than(&pv, &qv)? {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        });
                    }
                }
                x.len().cmp(&y.len())
            }
            _ => {
                return Err(EvalError::new(
                    Code::TypeError,
                    format!("cannot compare {} with {}", a.show_type(), b.show_type()),
                ));
            }
        })
    }
}

/// The operators' evaluation: short-circuit logic, comparisons rewritten as Nix does, `//`,
/// `++`, and `+` with interpolation (`concat`).
impl Eval {
    pub(super) fn binop(
        &mut self,
        op: BinOp,
        lhs: &ExprRef,
        rhs: &ExprRef,
        env: &Rc<Env>,
        span: Span,
    ) -> EvalResult<Value> {
        use BinOp::*;
        match op {
            And => Ok(Value::Bool(self.eval_bool(lhs, env)? && self.eval_bool(rhs, env)?)),
            Or => Ok(Value::Bool(self.eval_bool(lhs, env)? || self.eval_bool(rhs, env)?)),
            Impl => Ok(Value::Bool(!self.eval_bool(lhs, env)? || self.eval_bool(rhs, env)?)),
            Eq | NotEq => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                let eq = self.equal(&a, &b)?;
                Ok(Value::Bool(eq == (op == Eq)))
            }
            Less | LessEq | Greater | GreaterEq => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                // Nix rewrites all four into `lessThan`, with the operands swapped for > and <=.
                let r = match op {
                    Less => self.less_than(&a, &b)?,
                    GreaterEq => !self.less_than(&a, &b)?,
                    Greater => self.less_than(&b, &a)?,
                    _ => !self.less_than(&b, &a)?,
                };
                Ok(Value::Bool(r))
            }
            Update => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                match (&a, &b) {
                    (Value::Attrs(x), Value::Attrs(y)) => {
                        if y.is_empty() {
                            Ok(a.clone())
                        } else if x.is_empty() {
                            Ok(b.clone())
                        } else {
                            Ok(Value::Attrs(Rc::new(x.update(y))))
                        }
                    }
                    (Value::Attrs(_), other) => Err(type_error(other, "a set")).at(rhs.span),
                    (other, _) => Err(type_error(other, "a set")).at(lhs.span),
                }
            }
            Concat => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                match (&a, &b) {
                    (Value::List(x), Value::List(y)) => {
                        self.charge(x.len() + y.len())?;
                        let mut out = Vec::with_capacity(x.len() + y.len());
                        out.extend(x.iter().cloned());
                        out.extend(y.iter().cloned());
                        Ok(Value::List(Rc::new(out)))
                    }
                    (Value::List(_), other) => Err(type_error(other, "a list")).at(rhs.span),
                    (other, _) => Err(type_error(other, "a list")).at(lhs.span),
                }
            }
            Add => self.concat(&[lhs.clone(), rhs.clone()], false, env),
            Sub | Mul | Div => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                arith(op, a, b).at(span)
            }
        }
    }

    /// `+` and interpolation: the first operand decides between numbers, paths and strings.
    pub(super) fn concat(
        &mut self,
        parts: &[ExprRef],
        force_string: bool,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        let Some(first_expr) = parts.first() else { return Ok(Value::str("")) };
        let first = self.eval(first_expr, env)?;
        match (&first, force_string) {
            (Value::Int(_) | Value::Float(_), false) => {
                let mut acc = first;
                for p in &parts[1..] {
                    let v = self.eval(p, env)?;
                    acc = add_numbers(acc, v).at(p.span)?;
                }
                Ok(acc)
            }
            (Value::Path(p), false) => {
                let mut s = p.to_string();
                for part in &parts[1..] {
                    let v = self.eval(part, env)?;
                    s.push_str(&self.coerce(&v, Coerce::Interpolate { copy_paths: false }).at(part.span)?);
                }
                Ok(Value::Path(paths::canon_path(&s).into()))
            }
            _ => {
                let mode = Coerce::Interpolate { copy_paths: true };
                let mut s = self.coerce(&first, mode).at(first_expr.span)?.to_string();
                for part in &parts[1..] {
                    let v = self.eval(part, env)?;
                    s.push_str(&self.coerce(&v, mode).at(part.span)?);
                }
                self.charge(s.len())?;
                Ok(Value::str(s))
            }
        }
    }
}
