#!/usr/bin/env node
console.log('longshore');
