// The OCI runtime-spec types the runtime reads: defined once, next to the schemas' validators.
export * from '../foundation/spec-types';
