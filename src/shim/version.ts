export const SHIM_VERSION = 'runts-shim 0.1.0';
