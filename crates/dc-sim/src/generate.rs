//! Seeded, deterministic datasets of any size, with the awkward parts real instances have.

use crate::dataset::{Dataset, Product};

/// How big a generated instance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    /// Users.
    pub users: u32,
}

/// Generates a dataset.
pub fn generate(_product: Product, _scale: Scale, _seed: u64) -> Dataset {
    unimplemented!()
}
