/** Thrown for a payload whose checksum was right but whose content is not a snapshot. */
export class SnapshotFormatError extends Error {}
