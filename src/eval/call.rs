//! Calling functions: lambdas with their patterns, builtins, and sets with `__functor`.

use std::rc::Rc;

use super::error::{EvalError, EvalResult, ResultExt};
use super::ir::Param;
use super::value::{Closure, Env, EnvKind, PartialBuiltin, ThunkState};
use super::{Eval, MAX_DEPTH, Thunk, Value, builtins};
use crate::diagnostic::{Code, Span};

impl Eval {
    pub(crate) fn apply(&mut self, f: Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::new(
                Code::StackOverflow,
                format!("function calls nested more than {MAX_DEPTH} levels deep"),
            ))
            .at(span);
        }
        self.depth += 1;
        let r = self.apply_inner(f, arg, span).at(span);
        self.depth -= 1;
        r
    }

    fn apply_inner(&mut self, f: Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        match f {
            Value::Lambda(c) => self.call_lambda(&c, arg, span),
            Value::Builtin(p) => {
                let mut args = p.args.clone();
                args.push(arg);
                if std::ptr::fn_addr_eq(p.builtin.func, builtins::unsupported_fn as builtins::BuiltinFn) {
                    Err(builtins::unsupported_error(p.builtin.name))
                } else if args.len() == p.builtin.arity {
                    (p.builtin.func)(self, &args, span)
                } else {
                    Ok(Value::Builtin(Rc::new(PartialBuiltin { builtin: p.builtin, args })))
                }
            }
            Value::Attrs(ref a) => {
                let Some(functor) = a.get("__functor").map(|x| x.value.clone()) else {
                    return Err(not_a_function(&f));
                };
                let functor = self.force(&functor)?;
                let g = self.apply(functor, Thunk::value(f.clone()), span)?;
                self.apply(g, arg, span)
            }
            other => Err(not_a_function(&other)),
        }
    }

    fn call_lambda(&mut self, c: &Closure, arg: Thunk, span: Span) -> EvalResult<Value> {
        let lambda = &c.lambda;
        let env = match &lambda.param {
            Param::Ident(_) => Env::slots(Some(c.env.clone()), vec![arg]),
            Param::Pattern { formals, ellipsis, bind } => {
                let attrs = self.force_attrs(&arg)?;
                let mut slots: Vec<Thunk> = Vec::with_capacity(formals.len() + 1);
                let mut defaults = Vec::new();
                for (i, formal) in formals.iter().enumerate() {
                    match (attrs.get(&formal.name), &formal.default) {
                        (Some(a), _) => slots.push(a.value.clone()),
                        (None, Some(d)) => {
                            slots.push(Thunk::blank());
                            defaults.push((i, d.clone()));
                        }
                        (None, None) => {
                            return Err(call_error(
                                Code::MissingArgument,
                                format!(
                                    "function 'anonymous lambda' called without required argument '{}'",
                                    formal.name
                                ),
                                "pass the argument, or give it a default with `name ? value`",
                                span,
                                c.span,
                            ));
                        }
                    }
                }
                if !ellipsis
                    && attrs.len() > formals.len() - defaults.len()
                    && let Some(extra) =
                        attrs.attrs.iter().find(|a| !formals.iter().any(|f| f.name == a.name))
                {
                    return Err(call_error(
                        Code::UnexpectedArgument,
                        format!(
                            "function 'anonymous lambda' called with unexpected argument '{}'",
                            extra.name
                        ),
                        "remove the argument, or add `...` to the function's pattern",
                        span,
                        c.span,
                    ));
                }
                if bind.is_some() {
                    slots.push(arg.clone());
                }
                let env = if defaults.is_empty() {
                    Env::slots(Some(c.env.clone()), slots)
                } else {
                    self.recursive_env(&c.env, slots)
                };
                if let EnvKind::Slots(s) = &env.kind {
                    for (i, d) in defaults {
                        s[i].set(ThunkState::Pending(d, env.clone()));
                    }
                }
                env
            }
        };
        self.eval(&lambda.body, &env)
    }
}

fn call_error(code: Code, message: String, hint: &str, call: Span, lambda: Span) -> Box<EvalError> {
    let mut e = EvalError::new(code, message).hint(hint);
    e.diag = e.diag.at(call).with_label(lambda, "the function is defined here");
    e
}

fn not_a_function(v: &Value) -> Box<EvalError> {
    EvalError::new(
        Code::TypeError,
        format!("attempt to call something which is not a function but {}", v.show_type()),
    )
}
