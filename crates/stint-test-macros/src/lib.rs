//! `stint-test-macros` owns `#[both_backends]`, the attribute that turns one async integration
//! test into a module of two tests, `sqlite` and `postgres`, so that no behaviour is proved on one
//! store backend only (issue 6).
//!
//! ```ignore
//! #[common::both_backends]
//! async fn a1_admin_assigns() { let server = TestServer::start().await; /* ... */ }
//! // becomes the tests a1_admin_assigns::sqlite and a1_admin_assigns::postgres
//! ```
//!
//! The expansion calls `crate::common::Backend::{Sqlite, Postgres}.run(body)`: the test crate's
//! `common` module decides what each backend means (and how a missing PostgreSQL is reported).
//! Arguments are passed on to `#[tokio::test]` (`flavor = "multi_thread"`, say). Doc comments go
//! on the module; every other attribute (`#[ignore]`, ...) on both tests.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, ItemFn};

/// Runs the async test once per store backend; see the crate documentation.
#[proc_macro_attribute]
pub fn both_backends(args: TokenStream, item: TokenStream) -> TokenStream {
    let test = parse_macro_input!(item as ItemFn);
    if test.sig.asyncness.is_none() || !test.sig.inputs.is_empty() {
        return syn::Error::new_spanned(
            &test.sig,
            "#[both_backends] takes an async fn without arguments",
        )
        .to_compile_error()
        .into();
    }
    let args = proc_macro2::TokenStream::from(args);
    let tokio_test = if args.is_empty() {
        quote!(#[::tokio::test])
    } else {
        quote!(#[::tokio::test(#args)])
    };
    let (docs, others): (Vec<_>, Vec<_>) = test
        .attrs
        .iter()
        .partition(|attribute| attribute.path().is_ident("doc"));
    let name = &test.sig.ident;
    let output = &test.sig.output;
    let body = &test.block;
    quote! {
        #(#docs)*
        mod #name {
            #[allow(unused_imports)]
            use super::*;

            #tokio_test
            #(#others)*
            async fn sqlite() #output {
                crate::common::Backend::Sqlite.run(async move #body).await
            }

            #tokio_test
            #(#others)*
            async fn postgres() #output {
                crate::common::Backend::Postgres.run(async move #body).await
            }
        }
    }
    .into()
}
