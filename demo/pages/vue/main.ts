import { createApp } from 'vue';
import { setUpChrome } from '../chrome.js';
import App from './App.vue';

createApp(App, { src: '/events' }).mount('#app');
setUpChrome();
