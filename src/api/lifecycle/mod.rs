//! TODO

mod operations;

pub(crate) use operations::{
    CheckoutNode, CustodyNode, DisposalNode, LifecycleMutations, LifecycleQueries, LifecycleStep,
    maintenance_of,
};
