import { defineApp } from '../lib/app-spec';

// A static site: one container, public at hello.<domain>.
export default defineApp({
  image: 'ghcr.io/hobby-infra/hello:1.0.0',
  port: 8080,
  hosts: ['hello'],
});
