/** Layers a pull downloads, and a push uploads, at once unless told otherwise (dockerd's defaults). */
export const DEFAULT_CONCURRENT_DOWNLOADS = 3;
export const DEFAULT_CONCURRENT_UPLOADS = 5;
