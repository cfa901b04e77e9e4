// Koa 2, installed beside Koa 3 under an npm alias, has the API @types/koa describes.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
