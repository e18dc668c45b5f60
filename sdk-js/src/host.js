// The contract's imports. This is the only module that names them: a component gets them from
// the host, and a unit test from `@wagather/sdk/testing`, which maps these specifiers to a fake.
import { httpRequest } from 'wagather:gatherer/kube@0.2.0';
import { writeRecord, reportError } from 'wagather:gatherer/output@0.2.0';

export { httpRequest, writeRecord, reportError };
