export { ImageService, REPO_DIGEST_LABEL, DANGLING_PREFIX, recordFamiliarName, parseUntil } from './image-service';
export type { ImageServiceOptions, ResolvedImage, RunnableImage } from './image-service';
export { chainIds } from './chain-id';
export type { ImageConfigDoc } from './image-config';
export { shortId, type ProgressFn, type ProgressMessage } from './progress';
