//! wagather codegen (placeholder until the codegen lands).
