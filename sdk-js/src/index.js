// wagather's JavaScript SDK: write a gatherer as an ES module and build it into a component with
// componentize-js. The module exports `gather = defineGatherer({...})`; see README.md.

export { CONTRACT, Config, Gather, defineGatherer } from './gather.js';
export { Resource, continueToken, getRaw, resource } from './client.js';
export { DEFAULT_PAGE_SIZE, collectionPath, listPath, listQuery, objectPath } from './request.js';
export {
  MAX_NAME_BYTES, MAX_SEGMENT_BYTES, RESERVED_PATHS, archivePath, checkRecordName, encodeJson, recordNameProblem,
} from './records.js';
export {
  ApiError,
  DecodeError,
  InvalidParamsError,
  ProtocolError,
  RecordError,
  RequestError,
  Status,
  WagatherError,
  toGatherError,
} from './errors.js';
