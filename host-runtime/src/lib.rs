//! wagather host
