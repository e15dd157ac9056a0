export declare function fileUnder(dir: string, pathname: string): string | null;
export declare function serveFiles(
  fileFor: (pathname: string) => string | null,
): Promise<{ origin: string; close(): void }>;
