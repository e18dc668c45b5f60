//! The part of OpenAPI/JSON Schema that wagather turns into Rust types.
//!
//! Every loader (Swagger 2.0 definitions, OpenAPI 3 components, CRD
//! `openAPIV3Schema`) parses into [`Schema`], so the emitter sees one shape.
//! Anything the mapping cannot represent losslessly (unions, objects that keep
//! unknown fields, objects with both properties and extra keys) becomes
//! [`Ty::Any`], i.e. `serde_json::Value`, so no field is ever dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, pointer_segment};

/// One schema node.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub description: Option<String>,
    pub ty: Ty,
    /// `nullable: true` (OpenAPI 3, CRDs) or `x-nullable: true` (Swagger): `null` is a
    /// value distinct from an absent field and must survive a round trip.
    pub nullable: bool,
}

/// The Rust-relevant type of a schema node.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// A reference to a named definition (the name without the `#/...` prefix).
    Ref(String),
    Object(Object),
    Array(Box<Schema>),
    /// `additionalProperties` without `properties`: a string-keyed map.
    Map(Box<Schema>),
    String,
    Boolean,
    /// `int32` when the spec says so, else 64-bit.
    Integer {
        int32: bool,
    },
    /// Kept as `serde_json::Number` so `1` and `1.0` round-trip unchanged.
    Number,
    IntOrString,
    /// Untyped, preserve-unknown-fields, or a shape the mapping does not cover.
    Any,
}

/// An object with a fixed set of properties.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Object {
    pub properties: BTreeMap<String, Schema>,
    pub required: BTreeSet<String>,
}

/// How `$ref`s are spelled in the document being parsed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RefStyle {
    /// `#/definitions/Name` (Swagger 2.0)
    Definitions,
    /// `#/components/schemas/Name` (OpenAPI 3)
    Components,
    /// CRD schemas have no `$ref`s.
    None,
}

impl RefStyle {
    fn prefix(self) -> Option<&'static str> {
        match self {
            RefStyle::Definitions => Some("#/definitions/"),
            RefStyle::Components => Some("#/components/schemas/"),
            RefStyle::None => None,
        }
    }
}

pub(crate) struct Parser<'a> {
    pub file: &'a Path,
    pub refs: RefStyle,
}

impl Parser<'_> {
    /// Parses the schema at `pointer` in the file.
    pub(crate) fn parse(&self, value: &Value, pointer: &str) -> Result<Schema, Error> {
        let mut schema = self.parse_inner(value, pointer)?;
        schema.nullable = ["nullable", "x-nullable"]
            .iter()
            .any(|k| value.get(k).and_then(Value::as_bool) == Some(true));
        Ok(schema)
    }

    fn parse_inner(&self, value: &Value, pointer: &str) -> Result<Schema, Error> {
        let Some(obj) = value.as_object() else {
            return Err(Error::invalid(
                self.file,
                pointer,
                "schema is not an object",
            ));
        };
        let description = obj
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(reference) = obj.get("$ref") {
            return Ok(Schema {
                description,
                ty: Ty::Ref(self.reference(reference, &format!("{pointer}/$ref"))?),
                nullable: false,
            });
        }
        // OpenAPI 3 wraps a described $ref as `allOf: [{$ref}]`.
        if let Some(all_of) = obj.get("allOf").and_then(Value::as_array)
            && let [single] = all_of.as_slice()
        {
            let inner = self.parse(single, &format!("{pointer}/allOf/0"))?;
            return Ok(Schema {
                description: description.or(inner.description),
                ty: inner.ty,
                nullable: false,
            });
        }
        if obj
            .get("x-kubernetes-int-or-string")
            .and_then(Value::as_bool)
            == Some(true)
            || obj.get("format").and_then(Value::as_str) == Some("int-or-string")
        {
            return Ok(Schema {
                description,
                ty: Ty::IntOrString,
                nullable: false,
            });
        }
        if obj
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            == Some(true)
        {
            return Ok(Schema {
                description,
                ty: Ty::Any,
                nullable: false,
            });
        }
        let ty = match obj.get("type") {
            None => {
                if obj.contains_key("properties") {
                    self.object(obj, pointer)?
                } else {
                    Ty::Any
                }
            }
            Some(Value::String(t)) => match t.as_str() {
                "string" => Ty::String,
                "boolean" => Ty::Boolean,
                "integer" => Ty::Integer {
                    int32: obj.get("format").and_then(Value::as_str) == Some("int32"),
                },
                "number" => Ty::Number,
                "array" => {
                    let items_pointer = format!("{pointer}/items");
                    match obj.get("items") {
                        Some(items) => Ty::Array(Box::new(self.parse(items, &items_pointer)?)),
                        None => Ty::Array(Box::new(Schema::any())),
                    }
                }
                "object" => self.object(obj, pointer)?,
                other => {
                    return Err(Error::invalid(
                        self.file,
                        format!("{pointer}/type"),
                        format!("unknown schema type {other:?}"),
                    ));
                }
            },
            Some(_) => {
                return Err(Error::invalid(
                    self.file,
                    format!("{pointer}/type"),
                    "schema type is not a string",
                ));
            }
        };
        Ok(Schema {
            description,
            ty,
            nullable: false,
        })
    }

    fn object(&self, obj: &serde_json::Map<String, Value>, pointer: &str) -> Result<Ty, Error> {
        let properties = match obj.get("properties") {
            None => None,
            Some(Value::Object(props)) => Some(props),
            Some(_) => {
                return Err(Error::invalid(
                    self.file,
                    format!("{pointer}/properties"),
                    "properties is not an object",
                ));
            }
        };
        let additional = obj.get("additionalProperties");
        match (properties, additional) {
            (Some(props), None | Some(Value::Bool(false))) if !props.is_empty() => {
                let mut out = Object::default();
                for (name, prop) in props {
                    let p = format!("{pointer}/properties/{}", pointer_segment(name));
                    out.properties.insert(name.clone(), self.parse(prop, &p)?);
                }
                if let Some(required) = obj.get("required") {
                    let Some(list) = required.as_array() else {
                        return Err(Error::invalid(
                            self.file,
                            format!("{pointer}/required"),
                            "required is not an array",
                        ));
                    };
                    for name in list.iter().filter_map(Value::as_str) {
                        // A required name without a property is a spec slip; ignoring it loses nothing.
                        if out.properties.contains_key(name) {
                            out.required.insert(name.to_owned());
                        }
                    }
                }
                Ok(Ty::Object(out))
            }
            (None, Some(Value::Object(value_schema))) => {
                let p = format!("{pointer}/additionalProperties");
                Ok(Ty::Map(Box::new(
                    self.parse(&Value::Object(value_schema.clone()), &p)?,
                )))
            }
            (None, Some(Value::Bool(true))) => Ok(Ty::Map(Box::new(Schema::any()))),
            // Free-form objects, or properties plus extra keys: keep everything.
            _ => Ok(Ty::Any),
        }
    }

    fn reference(&self, value: &Value, pointer: &str) -> Result<String, Error> {
        let Some(text) = value.as_str() else {
            return Err(Error::invalid(self.file, pointer, "$ref is not a string"));
        };
        match self.refs.prefix().and_then(|p| text.strip_prefix(p)) {
            Some(name) => Ok(name.to_owned()),
            None => Err(Error::invalid(
                self.file,
                pointer,
                format!("unsupported $ref {text:?} (only local definitions are supported)"),
            )),
        }
    }
}

impl Schema {
    /// An untyped schema (`serde_json::Value`).
    pub fn any() -> Schema {
        Schema {
            description: None,
            ty: Ty::Any,
            nullable: false,
        }
    }

    /// Every definition name this schema references, directly or nested.
    pub fn refs(&self, out: &mut Vec<String>) {
        match &self.ty {
            Ty::Ref(name) => out.push(name.clone()),
            Ty::Object(o) => o.properties.values().for_each(|p| p.refs(out)),
            Ty::Array(item) | Ty::Map(item) => item.refs(out),
            _ => {}
        }
    }
}
