/** `@pulseboard/server/reporter`, from before the reporter was its own package: `@pulseboard/reporter` is the one to use. */
export * from '@pulseboard/reporter';
