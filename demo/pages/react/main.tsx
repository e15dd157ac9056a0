import { createRoot } from 'react-dom/client';
import { setUpChrome } from '../chrome.js';
import { App } from './App.js';

createRoot(document.getElementById('root')!).render(<App src="/events" />);
setUpChrome();
