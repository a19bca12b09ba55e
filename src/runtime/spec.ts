// The OCI runtime-spec types the runtime reads: defined once, in the foundation.
export * from '../foundation/spec-types';
