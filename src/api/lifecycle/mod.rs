//! Transitions, approvals, custody and maintenance over GraphQL.

mod operations;

pub(crate) use operations::{
    CheckoutNode, CustodyNode, DisposalNode, LifecycleMutations, LifecycleQueries, LifecycleStep,
    maintenance_of,
};
