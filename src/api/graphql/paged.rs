//! Connection fields without spelling out Relay's four arguments: a resolver inside
//! `paged_object!` that takes `page: Paging` gets `first`, `after`, `last` and `before` in the
//! schema, checked into one `PageRequest` before its body runs.

use crate::domain::kernel::PageRequest;

/// What a connection field's resolver receives for Relay's `first`, `after`, `last` and `before`.
pub type Paging = PageRequest;

/// Writes an `#[async_graphql::Object]` impl in which every resolver whose third parameter is
/// `name: Paging` (right after `&self` and `ctx: &Context<'_>`, if any) takes the four Relay
/// arguments.
macro_rules! paged_object {
    ($(#[$attr:meta])* impl $ty:ident { $($items:tt)* }) => {
        $crate::api::graphql::paged_object!(@munch [$(#[$attr])*] [$ty] [] $($items)*);
    };
    (@munch [$($attr:tt)*] [$ty:ident] [$($done:tt)*]) => {
        $($attr)*
        impl $ty { $($done)* }
    };
    (@munch $attr:tt $ty:tt [$($done:tt)*]
        $(#[$meta:meta])*
        $vis:vis async fn $name:ident(&$this:ident, $ctx:ident: &Context<'_>, $page:ident: Paging $(, $(#[$arg_meta:meta])* $arg:ident: $arg_ty:ty)* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::api::graphql::paged_object!(@munch $attr $ty [$($done)*
            $(#[$meta])*
            #[allow(clippy::too_many_arguments, reason = "Relay's four arguments")]
            $vis async fn $name(
                &$this,
                $ctx: &Context<'_>,
                $($(#[$arg_meta])* $arg: $arg_ty,)*
                first: Option<i32>,
                after: Option<String>,
                last: Option<i32>,
                before: Option<String>,
            ) -> $ret {
                let $page: $crate::api::graphql::Paging =
                    $crate::api::graphql::page_request(first, after, last, before)?;
                $body
            }
        ] $($rest)*);
    };
    (@munch $attr:tt $ty:tt [$($done:tt)*]
        $(#[$meta:meta])*
        $vis:vis async fn $name:ident(&$this:ident, $page:ident: Paging) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::api::graphql::paged_object!(@munch $attr $ty [$($done)*
            $(#[$meta])*
            $vis async fn $name(
                &$this,
                first: Option<i32>,
                after: Option<String>,
                last: Option<i32>,
                before: Option<String>,
            ) -> $ret {
                let $page: $crate::api::graphql::Paging =
                    $crate::api::graphql::page_request(first, after, last, before)?;
                $body
            }
        ] $($rest)*);
    };
    (@munch $attr:tt $ty:tt [$($done:tt)*]
        $(#[$meta:meta])*
        $vis:vis async fn $name:ident($($params:tt)*) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::api::graphql::paged_object!(@munch $attr $ty [$($done)*
            $(#[$meta])* $vis async fn $name($($params)*) -> $ret $body
        ] $($rest)*);
    };
    (@munch $attr:tt $ty:tt [$($done:tt)*]
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($params:tt)*) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::api::graphql::paged_object!(@munch $attr $ty [$($done)*
            $(#[$meta])* $vis fn $name($($params)*) -> $ret $body
        ] $($rest)*);
    };
}
pub(crate) use paged_object;
