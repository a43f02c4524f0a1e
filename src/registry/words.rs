//! Closed sets of words the config spells as strings (`restart = "on_failure"`), as enums:
//! each knows its spelling, the list of all of them for "did you mean", and how to read one.

/// An enum whose variants are written as the given words, with `ALL`, `as_str` and `parse`.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum $name {
            $($variant,)*
        }

        impl $name {
            pub(crate) const ALL: &[$name] = &[$($name::$variant,)*];

            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use words;

#[cfg(test)]
mod tests {
    use crate::registry::Protocol;
    use crate::registry::processes::{Condition, Restart};

    #[test]
    fn every_word_is_spelled_once_and_reads_back_as_itself() {
        let conditions: std::collections::HashSet<_> = Condition::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(conditions.len(), Condition::ALL.len());
        let restarts: std::collections::HashSet<_> = Restart::ALL.iter().map(|r| r.to_string()).collect();
        assert_eq!(restarts.len(), Restart::ALL.len());
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.as_str()), Some(p));
        }
        assert_eq!(Protocol::parse("TCP"), None);
    }
}
