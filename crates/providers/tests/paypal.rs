//! PayPal tests come next.
