//! `Debug` for the types that hold a secret, written once: the secret never reaches a log, an
//! error or a test's failure message.

/// `redacted_debug!(Name)` shows `Name(<redacted>)`; `redacted_debug!(Name { a, b })` shows only
/// the fields `a` and `b`, then `..` for the rest.
#[macro_export]
macro_rules! redacted_debug {
    ($name:ident) => {
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
    ($name:ident { $($field:ident),+ $(,)? }) => {
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &self.$field))+
                    .finish_non_exhaustive()
            }
        }
    };
}
