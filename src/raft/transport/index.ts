export { Transport, parseHostPort, type TransportOptions, type TransportTls } from './transport';
export { encodeMessage, decodeMessage } from './message-codec';
export { FrameDecoder } from './frame-decoder';
export { TransportConfigError } from './errors';
