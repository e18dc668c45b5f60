//! wagather guest SDK.
