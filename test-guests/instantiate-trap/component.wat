;; A gatherer component (contract wagather:gatherer@0.2.0) that traps while it is
;; instantiated: the core module's start function is `unreachable`. Everything else is what
;; the host checks before instantiating: a manifest, and an export `gather` of the world's type.
(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
    (func (export "gather") (param i32 i32) (result i32) i32.const 0)
    (func $boom unreachable)
    (start $boom)
    (@custom "wagather-manifest"
      "{\"contract\":\"wagather:gatherer@0.2.0\",\"name\":\"instantiate-trap\",\"version\":\"0.1.0\",\"reads\":[]}")
  )
  (core instance $i (instantiate $m))

  (type $request-error' (variant
    (case "denied" string)
    (case "limit-exceeded" string)
    (case "timeout")
    (case "transport" string)))
  (export $request-error "request-error" (type $request-error'))
  (type $record-error' (variant
    (case "invalid-name" string)
    (case "duplicate" string)
    (case "limit-exceeded" string)))
  (export $record-error "record-error" (type $record-error'))
  (type $api-status' (record (field "code" u16) (field "reason" string) (field "message" string)))
  (export $api-status "api-status" (type $api-status'))
  (type $request-failure' (record (field "path" string) (field "error" $request-error)))
  (export $request-failure "request-failure" (type $request-failure'))
  (type $api-failure' (record (field "path" string) (field "status" $api-status)))
  (export $api-failure "api-failure" (type $api-failure'))
  (type $decode-failure' (record (field "what" string) (field "message" string)))
  (export $decode-failure "decode-failure" (type $decode-failure'))
  (type $record-failure' (record (field "name" string) (field "error" $record-error)))
  (export $record-failure "record-failure" (type $record-failure'))
  (type $gather-error' (variant
    (case "request" $request-failure)
    (case "api" $api-failure)
    (case "decode" $decode-failure)
    (case "record" $record-failure)
    (case "other" string)))
  (export $gather-error "gather-error" (type $gather-error'))

  (func $gather
    (param "config" (list (tuple string string)))
    (result (result (error $gather-error)))
    (canon lift (core func $i "gather") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
  (export "gather" (func $gather))
)
