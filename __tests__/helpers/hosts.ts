import type { RequestListener } from 'node:http';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import type { healthRouter } from '../../lib/index.js';

/** Mounts a router in a host app and returns the listener to serve. */
export type Mount = (router: ReturnType<typeof healthRouter>) => RequestListener;

/** The four hosts the router must work under, each with the prefix it is served at. */
export const HOSTS: readonly (readonly [name: string, prefix: string, mount: Mount])[] = [
  ['Express 4', '/health', (router) => express4().use('/health', router)],
  ['Express 5', '/health', (router) => express().use('/health', router)],
  ['Connect', '/health', (router) => connect().use('/health', router)],
  ['node:http', '', (router) => router],
];
