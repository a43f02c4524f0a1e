//! Closed sets of words the config spells as strings (`restart = "on_failure"`), as enums:
//! each knows its spelling, the list of all of them for "did you mean", and how to read one.

/// An enum whose variants are written as the given words, with `ALL`, `as_str` and `parse`.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)*
                }
            }

            pub fn parse(word: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == word)
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
    fn every_word_reads_back_as_itself_and_nothing_else_reads() {
        for &c in Condition::ALL {
            assert_eq!(Condition::parse(c.as_str()), Some(c));
        }
        for &r in Restart::ALL {
            assert_eq!(Restart::parse(&r.to_string()), Some(r));
        }
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.as_str()), Some(p));
        }
        assert_eq!(Restart::parse("On_Failure"), None);
        assert_eq!(Condition::parse(""), None);
        assert_eq!(Protocol::parse("TCP"), None);
    }
}
